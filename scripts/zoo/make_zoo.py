"""Architectures unlike the fixtures, for a zero-code sweep of the tool (scripts/zoo/README.md).

Writes OUTDIR/{squeeze,dense,mbv3,incep,convnext,vgg_b1,dense_dynhw}.onnx (32x32 inputs, opsets 11 to 17),
OUTDIR/{denseB,squeezeB}.onnx (96x96), OUTDIR/x.npy (8 inputs, 32x32), OUTDIR/x96.npy (16 inputs),
OUTDIR/y.npy (labels). Random weights, drawn BatchNormalization statistics, fixed seeds.
Usage: /usr/bin/python3 scripts/zoo/make_zoo.py OUTDIR
"""
import os, sys
import torch, torch.nn as nn, torch.nn.functional as F, numpy as np
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
def bnfix(m):
    for mod in m.modules():
        if isinstance(mod,(nn.BatchNorm2d,)):
            mod.running_mean.uniform_(-0.1,0.1); mod.running_var.uniform_(0.5,1.5)
class Fire(nn.Module):
    def __init__(s,i,sq,e):
        super().__init__(); s.sq=nn.Conv2d(i,sq,1); s.e1=nn.Conv2d(sq,e,1); s.e3=nn.Conv2d(sq,e,3,padding=1)
    def forward(s,x):
        x=F.relu(s.sq(x)); return torch.cat([F.relu(s.e1(x)),F.relu(s.e3(x))],1)
class Squeeze(nn.Module):
    def __init__(s):
        super().__init__()
        s.f=nn.Sequential(nn.Conv2d(3,32,3,2),nn.ReLU(),nn.MaxPool2d(3,2,ceil_mode=True),Fire(32,8,16),Fire(32,8,16),nn.MaxPool2d(3,2,ceil_mode=True),Fire(32,12,24))
        s.cls=nn.Sequential(nn.Dropout(0.5),nn.Conv2d(48,10,1),nn.ReLU(),nn.AdaptiveAvgPool2d(1))
    def forward(s,x): return torch.flatten(s.cls(s.f(x)),1)
class Dense(nn.Module):
    def __init__(s):
        super().__init__()
        s.c0=nn.Conv2d(3,16,3,padding=1,bias=False)
        s.l=nn.ModuleList(); c=16
        for k in range(3):
            s.l.append(nn.Sequential(nn.BatchNorm2d(c),nn.ReLU(),nn.Conv2d(c,8,3,padding=1,bias=False))); c+=8
        s.t=nn.Sequential(nn.BatchNorm2d(c),nn.ReLU(),nn.Conv2d(c,16,1,bias=False),nn.AvgPool2d(2))
        s.l2=nn.ModuleList(); c=16
        for k in range(2):
            s.l2.append(nn.Sequential(nn.BatchNorm2d(c),nn.ReLU(),nn.Conv2d(c,8,3,padding=1,bias=False))); c+=8
        s.fc=nn.Linear(c,10)
    def forward(s,x):
        x=s.c0(x)
        for b in s.l: x=torch.cat([x,b(x)],1)
        x=s.t(x)
        for b in s.l2: x=torch.cat([x,b(x)],1)
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(F.relu(x),1),1))
class SE(nn.Module):
    def __init__(s,c,r):
        super().__init__(); s.a=nn.Conv2d(c,r,1); s.b=nn.Conv2d(r,c,1)
    def forward(s,x): return x*F.hardsigmoid(s.b(F.relu(s.a(F.adaptive_avg_pool2d(x,1)))))
class MBV3(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem=nn.Sequential(nn.Conv2d(3,16,3,2,1,bias=False),nn.BatchNorm2d(16),nn.Hardswish())
        s.b1=nn.Sequential(nn.Conv2d(16,48,1,bias=False),nn.BatchNorm2d(48),nn.SiLU(),nn.Conv2d(48,48,5,1,2,groups=48,bias=False),nn.BatchNorm2d(48),nn.SiLU(),SE(48,12),nn.Conv2d(48,16,1,bias=False),nn.BatchNorm2d(16))
        s.b2=nn.Sequential(nn.Conv2d(16,64,1,bias=False),nn.BatchNorm2d(64),nn.Hardswish(),nn.Conv2d(64,64,3,2,1,groups=64,bias=False),nn.BatchNorm2d(64),nn.Hardswish(),SE(64,16),nn.Conv2d(64,24,1,bias=False),nn.BatchNorm2d(24))
        s.head=nn.Sequential(nn.Conv2d(24,96,1),nn.Hardswish(),nn.AdaptiveAvgPool2d(1),nn.Flatten(),nn.Linear(96,10))
    def forward(s,x):
        x=s.stem(x); x=x+s.b1(x); return s.head(s.b2(x))
class Incep(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem=nn.Conv2d(3,16,3,1,1)
        s.p1=nn.Conv2d(16,8,1); s.p2=nn.Sequential(nn.Conv2d(16,8,1),nn.ReLU(),nn.Conv2d(8,8,(1,5),padding=(0,2)),nn.ReLU(),nn.Conv2d(8,8,(5,1),padding=(2,0)))
        s.p3=nn.Sequential(nn.MaxPool2d(3,1,1),nn.Conv2d(16,8,1))
        s.p4=nn.Sequential(nn.Conv2d(16,8,3,padding=2,dilation=2))
        s.fc=nn.Linear(32*8*8,10)
    def forward(s,x):
        x=F.relu(s.stem(x)); x=F.max_pool2d(x,2)
        x=torch.cat([F.relu(s.p1(x)),F.relu(s.p2(x)),F.relu(s.p3(x)),F.leaky_relu(s.p4(x),0.1)],1)
        x=F.avg_pool2d(x,2,ceil_mode=False)
        return s.fc(x.reshape(x.shape[0],-1))
class ConvNeXtish(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem=nn.Conv2d(3,32,4,4); s.ln0=nn.LayerNorm(32)
        s.dw=nn.Conv2d(32,32,7,padding=3,groups=32); s.ln=nn.LayerNorm(32); s.p1=nn.Linear(32,128); s.p2=nn.Linear(128,32)
        s.head=nn.Linear(32,10)
    def forward(s,x):
        x=s.stem(x); x=s.ln0(x.permute(0,2,3,1)).permute(0,3,1,2)
        y=s.dw(x).permute(0,2,3,1); y=s.p2(F.gelu(s.p1(s.ln(y)))).permute(0,3,1,2)
        x=x+y
        return s.head(x.mean((2,3)))
class VGG1(nn.Module):
    def __init__(s):
        super().__init__()
        s.f=nn.Sequential(nn.Conv2d(3,16,3,padding=1),nn.ReLU(),nn.MaxPool2d(2),nn.Conv2d(16,32,3,padding=1),nn.ReLU(),nn.MaxPool2d(2),nn.Conv2d(32,32,3,padding=1),nn.Tanh(),nn.MaxPool2d(2))
        s.c=nn.Sequential(nn.Flatten(),nn.Linear(32*4*4,64),nn.ReLU(),nn.Dropout(),nn.Linear(64,10),nn.Softmax(1))
    def forward(s,x): return s.c(s.f(x))
models=[('squeeze',Squeeze(),13,True),('dense',Dense(),13,True),('mbv3',MBV3(),17,True),('incep',Incep(),11,True),('convnext',ConvNeXtish(),17,True),('vgg_b1',VGG1(),13,False)]
for name,m,ops,dyn in models:
    bnfix(m); m.eval()
    kw=dict(input_names=['input'],output_names=['logits'],opset_version=ops)
    if dyn: kw['dynamic_axes']={'input':{0:'N'},'logits':{0:'N'}}
    torch.onnx.export(m,torch.randn(1,3,32,32),os.path.join(out, f'{name}.onnx'),**kw)
    print(name,'ok')
# The DenseNet again, with rows and columns exported as dynamic axes (the data fix them).
m=Dense(); bnfix(m); m.eval()
torch.onnx.export(m,torch.randn(1,3,32,32),os.path.join(out, 'dense_dynhw.onnx'),input_names=['input'],output_names=['logits'],opset_version=13,dynamic_axes={'input':{0:'N',2:'H',3:'W'},'logits':{0:'N'}})
print('dense_dynhw ok')
np.save(os.path.join(out, 'x.npy'),np.random.RandomState(0).randn(8,3,32,32).astype(np.float32))
np.save(os.path.join(out, 'y.npy'),np.arange(8).astype(np.int64))

torch.manual_seed(1)
class DenseB(nn.Module):
    def __init__(s):
        super().__init__()
        s.c0=nn.Conv2d(3,32,3,padding=1,bias=False)
        s.blocks=nn.ModuleList(); s.trans=nn.ModuleList(); c=32
        for b in range(3):
            L=nn.ModuleList()
            for k in range(4):
                L.append(nn.Sequential(nn.BatchNorm2d(c),nn.ReLU(),nn.Conv2d(c,16,3,padding=1,bias=False))); c+=16
            s.blocks.append(L)
            if b<2:
                s.trans.append(nn.Sequential(nn.BatchNorm2d(c),nn.ReLU(),nn.Conv2d(c,c//2,1,bias=False),nn.AvgPool2d(2))); c=c//2
        s.bn=nn.BatchNorm2d(c); s.fc=nn.Linear(c,10)
    def forward(s,x):
        x=s.c0(x)
        for b,L in enumerate(s.blocks):
            for l in L: x=torch.cat([x,l(x)],1)
            if b<2: x=s.trans[b](x)
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(F.relu(s.bn(x)),1),1))
class SqueezeB(nn.Module):
    def __init__(s):
        super().__init__()
        s.f=nn.Sequential(nn.Conv2d(3,64,3,2),nn.ReLU(),nn.MaxPool2d(3,2,ceil_mode=True),Fire(64,16,64),Fire(128,16,64),nn.MaxPool2d(3,2,ceil_mode=True),Fire(128,32,128),Fire(256,32,128))
        s.cls=nn.Sequential(nn.Dropout(0.5),nn.Conv2d(256,10,1),nn.ReLU(),nn.AdaptiveAvgPool2d(1))
    def forward(s,x): return torch.flatten(s.cls(s.f(x)),1)
for name,m in [('denseB',DenseB()),('squeezeB',SqueezeB())]:
    bnfix(m); m.eval()
    torch.onnx.export(m,torch.randn(1,3,96,96),os.path.join(out, f'{name}.onnx'),input_names=['input'],output_names=['logits'],opset_version=13,dynamic_axes={'input':{0:'N'},'logits':{0:'N'}})
    print(name,'ok')
np.save(os.path.join(out, 'x96.npy'),np.random.RandomState(0).randn(16,3,96,96).astype(np.float32))
